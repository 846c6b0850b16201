"""The browsable API's renderer (settings.REST_FRAMEWORK; production settings leave it out)."""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BrowsableAPIRenderer

from core.tenancy import is_client_principal


class MaskedBrowsableAPIRenderer(BrowsableAPIRenderer):
    """The browsable API, for developers: MBIs are masked on its pages. Only a partner client
    sees them, in JSON, and only on the endpoints its scopes open (its token was checked for
    them before the view ran)."""

    def get_content(
        self, renderer: Any, data: Any, accepted_media_type: Any, renderer_context: Any
    ) -> str:
        from core.logging import mask_mbis

        content = super().get_content(renderer, data, accepted_media_type, renderer_context)
        request = (renderer_context or {}).get("request")
        if request is not None and is_client_principal(getattr(request, "user", None)):
            return content
        return mask_mbis(content)
