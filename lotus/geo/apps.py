from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "lotus.geo"
    label = "geo"
    verbose_name = _("Geography")

    def ready(self) -> None:
        from lotus.geo.placement import geography_cache_clear

        # The address index is a snapshot of these tables: any write makes it stale.
        for name in (
            "Province",
            "Commune",
            "LegacyProvince",
            "LegacyDistrict",
            "LegacyCommune",
            "CommuneSuccession",
        ):
            model = self.get_model(name)
            for signal in (post_save, post_delete):
                signal.connect(
                    geography_cache_clear, sender=model, dispatch_uid=f"geo-index-{name}"
                )
