from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.home, name="home"),
    path("customers/", views.customer_list, name="list"),
    path("customers/new/", views.customer_new, name="new"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="edit"),
    path("customers/<int:pk>/visits/new/", views.visit_new, name="visit_new"),
    path("customers/<int:pk>/contacts/new/", views.contact_new, name="contact_new"),
    path("customers/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("customers/<int:pk>/review/", views.review, name="review"),
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/allocate/<int:pk>/", views.worklist_allocate, name="worklist_allocate"),
    path("worklist/reassign/<int:pk>/", views.worklist_reassign, name="worklist_reassign"),
    path("leads/", views.leads, name="leads"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
