"""Outer middlewares, in execution order: database → identity → language → access."""
