from django.urls import path

from . import views, views_contracts

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/", views.order_new, name="new"),
    path("settlement-options/", views.settlement_options, name="settlement_options"),
    path("custom-dates/", views.custom_dates, name="custom_dates"),
    path("late-lines/", views.late_lines, name="late_lines"),
    path("contracts/", views_contracts.contract_list, name="contracts"),
    path("contracts/register/", views_contracts.register, name="contract_register"),
    path("contracts/register/confirm/", views_contracts.register_confirm, name="contract_register_confirm"),
    path("contracts/<int:contract_id>/takeout/", views_contracts.takeout, name="contract_takeout"),
    path("contracts/<int:contract_id>/disputes/", views_contracts.dispute_create, name="contract_dispute"),
    path("contracts/custody/<int:loan_id>/<slug:action>/", views_contracts.custody_action, name="custody_action"),
    path("contracts/disputes/<int:dispute_id>/status/", views_contracts.dispute_move, name="dispute_move"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/submit/", views.order_submit, name="submit"),
    path("<int:pk>/payments/", views.order_payment, name="payment"),
    path("<int:pk>/shipments/", views.order_ship, name="ship"),
    path("<int:pk>/shipments/<int:shipment_id>/delivered/", views.shipment_delivered, name="delivered"),
    path("<int:pk>/lines/<int:line_id>/ship-date/", views.line_ship_date, name="ship_date"),
    path("<int:pk>/contract/", views.contract_create, name="contract_create"),
    path("<int:pk>/contract/submit/", views.contract_submit, name="contract_submit"),
    path("<int:pk>/contract/sign/", views.contract_sign, name="contract_sign"),
    path("<int:pk>/contract/file/", views.contract_file, name="contract_file"),
    path("<int:pk>/contract/scan/", views.contract_scan, name="contract_scan"),
    path("<int:pk>/returns/", views.return_apply, name="return_apply"),
    path("<int:pk>/returns/<int:return_id>/<slug:action>/", views.return_action, name="return_action"),
]
