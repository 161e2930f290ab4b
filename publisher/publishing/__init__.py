"""Publishing: approval, integrity, signing and the portal (client and server)."""
