from django.urls import path

from lotus.linkage import views

app_name = "linkage"
urlpatterns = [
    path("", views.pair_list, name="pair_list"),
    path("<int:pk>/", views.pair_detail, name="pair_detail"),
    path("<int:pk>/decide/", views.pair_decide, name="pair_decide"),
    path("merges/", views.merge_list, name="merge_list"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
]
