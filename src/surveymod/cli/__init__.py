"""surveymod.cli."""
