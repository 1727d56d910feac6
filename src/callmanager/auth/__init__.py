"""Who is calling: sessions, personal API tokens, system and partner credentials, and roles."""
