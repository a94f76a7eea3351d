"""Personal preferences (manual 1.3) and the lost-password flow, in the ``accounts`` namespace."""

urlpatterns = []
