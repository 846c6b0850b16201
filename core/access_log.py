"""gunicorn's access log with the application log's safeguards (`logger_class` in
config/gunicorn.conf.py): request paths without their query strings, MBI-shaped values
masked, in the request line, the path, the referrer and every header or environ atom."""

from __future__ import annotations

from typing import Any

from gunicorn import glogging

from core.logging import MaskMBIFilter, RequestLineFilter, log_target, mask_mbis


class MaskedAccessLogger(glogging.Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # gunicorn's own error log can quote a request line too.
        for log in (self.error_log, self.access_log):
            log.addFilter(RequestLineFilter())
            log.addFilter(MaskMBIFilter())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        target = log_target(environ.get("RAW_URI") or environ.get("PATH_INFO") or "")
        atoms["r"] = f"{environ['REQUEST_METHOD']} {target} {environ['SERVER_PROTOCOL']}"
        atoms["U"] = log_target(environ.get("PATH_INFO") or "")
        atoms["q"] = ""
        atoms["f"] = log_target(environ.get("HTTP_REFERER", "-"))
        for key, value in list(atoms.items()):
            if key in ("{query_string}e", "{raw_uri}e"):
                atoms[key] = ""
            elif key in ("{referer}i", "{path_info}e"):
                atoms[key] = log_target(value)
            elif isinstance(value, str):
                atoms[key] = mask_mbis(value)
        return atoms
