from django.urls import path

from lotus.grants.views import followup, programmes, workflow

app_name = "grants"
urlpatterns = [
    path("", programmes.programme_list, name="programme_list"),
    path("programmes/new/", programmes.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", programmes.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", programmes.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/cycles/new/", programmes.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", programmes.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/edit/", programmes.cycle_edit, name="cycle_edit"),
    path("cycles/<int:pk>/criteria/", programmes.cycle_criteria, name="cycle_criteria"),
    path(
        "cycles/<int:pk>/criteria/history/",
        programmes.cycle_criteria_history,
        name="cycle_criteria_history",
    ),
    path("cycles/<int:pk>/run/", programmes.cycle_run, name="cycle_run"),
    path("cycles/<int:pk>/women/", programmes.candidate_list, name="candidate_list"),
    path(
        "cycles/<int:pk>/women/<int:person_pk>/",
        programmes.candidate_explain,
        name="candidate_explain",
    ),
    path("cycles/<int:pk>/step/<slug:action>/", workflow.cycle_transition, name="cycle_transition"),
    path("cycles/<int:pk>/payments/", workflow.payment_list, name="payment_list"),
    path("cycles/<int:pk>/payments/export/", workflow.payment_export, name="payment_export"),
    path("cycles/<int:pk>/payments/print/", workflow.payment_print, name="payment_print"),
    path("cycles/<int:pk>/payments/reissue/", workflow.payment_reissue, name="payment_reissue"),
    path("exports/<int:pk>/", workflow.payment_export_download, name="payment_export_download"),
    path("cycles/<int:pk>/reconciliation/", workflow.reconciliation, name="reconciliation"),
    path("imports/<int:pk>/", workflow.import_detail, name="import_detail"),
    path("cycles/<int:pk>/verification/", workflow.verification, name="verification"),
    path("samples/<int:pk>/", workflow.sample_detail, name="sample_detail"),
    path("records/<int:pk>/", workflow.verification_record, name="verification_record"),
    path("cycles/<int:pk>/dashboard/", workflow.cycle_dashboard, name="cycle_dashboard"),
    path("cycles/<int:pk>/follow-up/", followup.followup_view, name="followup"),
    path("cycles/<int:pk>/trainings/", followup.training_list, name="training_list"),
    path("trainings/<int:pk>/", followup.training_detail, name="training_detail"),
    path("grievances/", followup.grievance_list, name="grievance_list"),
    path("grievances/new/", followup.grievance_create, name="grievance_create"),
    path("grievances/<int:pk>/", followup.grievance_detail, name="grievance_detail"),
    path("overpayments/", followup.overpayment_list, name="overpayment_list"),
    path("overpayments/<int:pk>/", followup.overpayment_update, name="overpayment_update"),
    path(
        "persons/<int:person_pk>/payout-account/",
        followup.payout_account_edit,
        name="payout_account_edit",
    ),
]
