"""surveymod: migration surveys from YAML questionnaires to labelled data, weights and indicators."""

from .errors import Location, Problem, SurveyError

__version__ = "0.1.0"
__all__ = ["Location", "Problem", "SurveyError", "__version__"]
