"""surveymod.weighting."""
