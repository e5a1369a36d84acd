"""/worklist/ (the manager work list page) and its one-click allocation / reassignment posts."""

from django.urls import path

from . import views

app_name = "worklist"
urlpatterns = [
    path("worklist/", views.worklist, name="page"),
    path("worklist/allocate/<int:pk>/", views.worklist_allocate, name="allocate"),
    path("worklist/reassign/<int:pk>/", views.worklist_reassign, name="reassign"),
]
