"""An app whose import fails, as a typo in function_app.py would."""

import azure.functions as func

app = func.FunctionApp()
RETRIES = int("three")
