"""The HTTP service: webhooks, the case API and the web desk."""
