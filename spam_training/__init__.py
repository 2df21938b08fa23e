"""Training and evaluation of the spam classifier (`python -m spam_training train|evaluate`).

Development tooling, kept out of the deployed app: the app ships only the classifier
(`agents/spam_classifier/`: features, model, the trained `model.json.gz`).
"""
