from django import template

from yewu.approvals.services import inbox

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_approvals(context) -> int:
    """How many approval steps wait for the signed-in user (`approval.inbox`); 0 when nobody is signed in."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    if not hasattr(request, "_pending_approvals"):
        request._pending_approvals = len(inbox(user))
    return request._pending_approvals
