"""Two function-app objects in one module: the Python worker refuses to guess which one to run."""

import azure.functions as func

app = func.FunctionApp()
other = func.FunctionApp()
