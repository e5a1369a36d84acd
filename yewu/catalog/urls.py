from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.product_list, name="products"),
    path("new/", views.product_new, name="product_new"),
    path("products/<int:pk>/", views.product_detail, name="product"),
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/<str:action>/", views.request_action, name="request_action"),
    path("import/", views.import_prices, name="import"),
    path("export/", views.export_prices, name="export"),
]
