"""The customer portal, mounted under /customer/."""

app_name = "portal"

urlpatterns: list = []
