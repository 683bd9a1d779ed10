from django.urls import path

from lotus.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_job_list, name="import_job_list"),
    path("new/", views.import_job_create, name="import_job_create"),
    path("<int:pk>/", views.import_job_detail, name="import_job_detail"),
    path("<int:pk>/mapping/", views.import_job_mapping, name="import_job_mapping"),
    path("<int:pk>/errors.csv", views.import_job_errors, name="import_job_errors"),
    path("<int:pk>/fix.xlsx", views.import_job_fix_file, name="import_job_fix_file"),
]
