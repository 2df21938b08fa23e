"""The app's agents, their response models and tools, and the choice of chat model."""
