"""What the projects app's models share: errors of a constraint shown on its column."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router

from devzone.models import TimeStampedModel

YEAR_RANGE = models.Q(year__gte=2000, year__lte=2100)


class ProjectsModel(TimeStampedModel):
    """A record whose constraint errors name the column a person must correct.

    ``constraint_fields`` maps a constraint's name to the field its message belongs
    to; Django would otherwise report every CheckConstraint for the whole row, and an
    import error line could not say which cell is wrong.
    """

    constraint_fields = {}

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None):
        using = router.db_for_write(self.__class__, instance=self)
        errors = {}
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as error:
                    field = self.constraint_fields.get(
                        constraint.name, NON_FIELD_ERRORS
                    )
                    errors.setdefault(field, []).extend(error.error_list)
        if errors:
            raise ValidationError(errors)
