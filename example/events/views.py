from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Event
from .report import build_report, count_text


def report(request: HttpRequest) -> HttpResponse:
    """The same report the ``load_events`` command prints, as a page."""
    total = Event.objects.count()
    context = {"total": total, "total_text": count_text(total), "tables": build_report()}
    return render(request, "events/report.html", context)
