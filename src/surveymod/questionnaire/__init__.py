"""surveymod.questionnaire."""
