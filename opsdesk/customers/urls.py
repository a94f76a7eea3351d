"""Customer Administration (manual 4.3), mounted under /customers/."""

app_name = "customers"

urlpatterns: list = []
