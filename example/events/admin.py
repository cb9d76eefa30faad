from django.contrib import admin
from django.http import HttpRequest

from .models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Browse ClickHouse events next to Django's own tables, newest first."""

    list_display = ["timestamp", "protocol", "action", "src_ip", "dst_ip", "port"]
    list_filter = ["protocol", "action"]
    search_fields = ["src_ip"]
    date_hierarchy = "timestamp"
    ordering = ["-timestamp"]

    def get_readonly_fields(self, request: HttpRequest, obj: Event | None = None) -> list[str]:
        """Columns of the table's sorting and partition keys cannot change in ClickHouse,
        so an event keeps them once saved; a new event needs them filled in."""
        return [] if obj is None else ["protocol", "timestamp"]
