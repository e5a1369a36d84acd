from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from yewu.api import api, not_found
from yewu.common.views import favicon
from yewu.finance import order_payments
from yewu.org.throttle import AdminLoginForm, LoginForm

admin.site.login_form = AdminLoginForm  # throttled like /login/ (yewu.org.throttle)

urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", not_found),
    path("login/", auth_views.LoginView.as_view(template_name="login.html", authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("yewu.desk.urls")),
    path("", include("yewu.customers.urls")),
    path("", include("yewu.customers.urls_files")),
    path("catalog/", include("yewu.catalog.urls")),
    path("sales/", include("yewu.sales.urls")),
    path("reports/", include("yewu.reports.urls")),
    path("orders/", include("yewu.orders.urls")),
    path("approvals/", include("yewu.approvals.urls")),
    path("expenses/", include("yewu.expenses.urls")),
    path("finance/", include("yewu.finance.urls")),
    path("performance/", include("yewu.performance.urls")),
    path("processes/", include("yewu.processes.urls")),
    path("settings/", include("yewu.org.urls")),
    path("service/", include("yewu.service.urls")),
    path("salesmgmt/", include("yewu.salesmgmt.urls")),
    path("orders/<int:pk>/payments/", order_payments.order_payment, name="order_payment"),
    path("settings/", include("yewu.desk.preview.urls")),
]
