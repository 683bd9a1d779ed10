from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    name = "lotus.linkage"
    label = "linkage"
    verbose_name = _("Duplicates")

    def ready(self):
        # Importing the merge module registers the registry's own person references.
        from lotus.linkage.models import CandidatePair, MergeRecord, PersonKey
        from lotus.linkage.selectors import likely_matches
        from lotus.registry.matching import register_match_finder
        from lotus.registry.merging import ignore_person_reference

        register_match_finder(likely_matches)

        reason = "the linkage keeps its own history of pairs and merges"
        ignore_person_reference(PersonKey, "person", reason="recomputed for the survivor")
        for model, field in (
            (CandidatePair, "person_l"),
            (CandidatePair, "person_r"),
            (MergeRecord, "survivor"),
            (MergeRecord, "merged"),
        ):
            ignore_person_reference(model, field, reason=reason)
