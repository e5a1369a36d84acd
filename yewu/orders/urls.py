from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/", views.order_new, name="new"),
    path("settlement-options/", views.settlement_options, name="settlement_options"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/submit/", views.order_submit, name="submit"),
    path("<int:pk>/payments/", views.order_payment, name="payment"),
    path("<int:pk>/shipments/", views.order_ship, name="ship"),
]
