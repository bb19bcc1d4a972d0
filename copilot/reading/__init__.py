"""Reading a ticket: new text apart from quotes and signatures, language, identification, and every request
with its mood and grounded arguments (issue 14). `read_text` reads; `grounding.ground` checks the arguments."""
