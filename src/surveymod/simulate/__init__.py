"""surveymod.simulate."""
