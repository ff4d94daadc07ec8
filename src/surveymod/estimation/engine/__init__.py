"""surveymod.estimation.engine."""
