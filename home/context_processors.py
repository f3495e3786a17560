from .elder import is_elder_mode


def elder_mode(request):
    return {"elder_mode": is_elder_mode(request)}
