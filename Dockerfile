FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY copilot copilot
COPY tools tools
COPY api api
COPY evals evals
COPY prompts prompts
RUN pip install --no-cache-dir -e .
EXPOSE 8000
CMD ["copilot", "run", "--host", "0.0.0.0"]
