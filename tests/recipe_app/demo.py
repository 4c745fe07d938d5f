from pathlib import Path

from devzone.demo import import_file
from tests.recipe_app.resources import MealPointResource

DEMO = Path(__file__).parent / "demo" / "meal_points.csv"


def load():
    """Load the demo meal points (after the zone's communities)."""
    return {"老年助餐点": import_file(MealPointResource, DEMO)}
