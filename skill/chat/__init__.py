"""`python -m skill chat`: talk to the skill by typing, through the same handler as Lambda."""
