"""The shared layout: navigation, home page, help page, theme assets."""
