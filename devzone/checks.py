"""System checks for rules every app's code must keep."""

from django.core import checks

from devzone.sealed_writes import sealed_write_errors
from devzone.spreadsheets.resources import ZoneResource


def all_subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from all_subclasses(subclass)


@checks.register()
def resources_use_natural_keys(app_configs, **kwargs):
    """Refuse a Resource that would match imported rows by primary key."""
    errors = []
    for resource in all_subclasses(ZoneResource):
        if resource._meta.model is None:
            continue
        id_fields = list(resource._meta.import_id_fields)
        if "id" in id_fields or "pk" in id_fields:
            errors.append(
                checks.Error(
                    f"{resource.__module__}.{resource.__qualname__} matches rows by id.",
                    hint="Set Meta.import_id_fields to the record's natural key.",
                    obj=resource,
                    id="devzone.E001",
                )
            )
        if resource._meta.fields is None:
            errors.append(
                checks.Error(
                    f"{resource.__module__}.{resource.__qualname__} declares no fields.",
                    hint="List Meta.fields explicitly, so no column appears by accident.",
                    obj=resource,
                    id="devzone.E002",
                )
            )
    return errors


@checks.register()
def report_contributions_name_a_section(app_configs, **kwargs):
    """Refuse a report contribution to a section no app registered."""
    from devzone import registry

    return [
        checks.Error(
            f"A report contribution ({contribution.figures.__qualname__}) names the "
            f"section {contribution.section!r}, which no app registered.",
            hint="Register the section with devzone.registry.register_app(sections=…).",
            obj=contribution.figures,
            id="devzone.E003",
        )
        for contribution in registry.report_contributions
        if contribution.section not in registry.report_sections
    ]


@checks.register(checks.Tags.models)
def sealed_fields_written_with_siblings(app_configs, **kwargs):
    """Refuse a model with sealed fields whose writes could skip their siblings."""
    from django.apps import apps

    configs = app_configs or apps.get_app_configs()
    return [
        error
        for config in configs
        for model in config.get_models()
        for error in sealed_write_errors(model)
    ]


@checks.register(checks.Tags.security, deploy=True)
def second_factor_enforced(app_configs, **kwargs):
    """Warn when a deployment lets administrators log in with a password alone."""
    from django.conf import settings

    if settings.DEVZONE_ENFORCE_2FA:
        return []
    return [
        checks.Warning(
            "DEVZONE_ENFORCE_2FA is off: administrators and users who see personal "
            "data log in with a password alone.",
            hint="Unset DEVZONE_ENFORCE_2FA (it is on whenever DEBUG is off).",
            id="devzone.W010",
        )
    ]


@checks.register(checks.Tags.security)
def admin_networks_are_networks(app_configs, **kwargs):
    """Refuse an address range that is not one (it would refuse every request)."""
    import ipaddress

    from django.conf import settings

    errors = []
    for item in settings.DEVZONE_ADMIN_ALLOWED_NETWORKS:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            errors.append(
                checks.Error(
                    f"DEVZONE_ADMIN_ALLOWED_NETWORKS: {item!r} is not an address range.",
                    hint="Write ranges like 10.0.0.0/8 or 192.168.1.20, comma-separated.",
                    id="devzone.E013",
                )
            )
    return errors
