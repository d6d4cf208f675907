"""The web app: the website chat widget page (and, later, the agent console)."""
