from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "lotus.imports"
    label = "imports"
    verbose_name = _("Imports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lotus.imports.models import ImportRow
        from lotus.registry.merging import register_person_reference

        # A stored row to fix follows the person into the surviving record, so that importing
        # the corrected file corrects the survivor instead of adding her again.
        register_person_reference(ImportRow, "person")
