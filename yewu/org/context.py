from yewu.org.permissions import Abilities


def user_roles(request):
    u = getattr(request, "user", None)
    if u is None or not u.is_authenticated:
        return {}
    return {"roles": u.role_set, "can": Abilities(u)}
