from django.urls import path

from lotus.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("summary/", views.registry_summary, name="registry_summary"),
    path("export.csv", views.person_export, name="person_export"),
    path("communes/", views.commune_options, name="commune_options"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/history/", views.person_history, name="person_history"),
    path("<int:pk>/deceased/", views.person_deceased, name="person_deceased"),
    path("<int:pk>/consents/", views.consent_add, name="consent_add"),
    path(
        "<int:pk>/consents/<int:consent_pk>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<int:pk>/restricted/", views.restricted_facts, name="restricted_facts"),
    path("<int:pk>/restricted/set/", views.restricted_fact_set, name="restricted_fact_set"),
    path("<int:pk>/household/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
]
