from django.urls import path

from . import views

app_name = "sales"
urlpatterns = [
    path("quotes/", views.quote_list, name="quotes"),
    path("quotes/new/", views.quote_new, name="quote_new"),
    path("quotes/new/customers/", views.quote_customers, name="quote_customers"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote"),
    path("quotes/<int:pk>/edit/", views.quote_edit, name="quote_edit"),
    path("quotes/<int:pk>/pdf/", views.quote_pdf, name="quote_pdf"),
    path("quotes/<int:pk>/xlsx/", views.quote_xlsx, name="quote_xlsx"),
    path("quotes/<int:pk>/<str:action>/", views.quote_action, name="quote_action"),
]
