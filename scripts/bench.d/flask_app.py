"""The benchmark's peer: the same route as samples/plain, in Flask, for gunicorn."""
import os

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return f"Hello from a plain Flask app, process {os.getpid()}!\n"
