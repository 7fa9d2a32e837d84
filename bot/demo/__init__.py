"""The demo organisation and roadmap the local chat mode starts with."""
