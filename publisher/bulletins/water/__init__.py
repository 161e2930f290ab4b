"""Water bulletins: drinking-water sources (city, county) and control sections."""
