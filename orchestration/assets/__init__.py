"""The assets: the raw dump files, the warehouse tables loaded from them, the analyst views."""
