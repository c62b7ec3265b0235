"""The Splunk SOAR app (an splunk-soar-sdk project): src/ is what ships; see README.md and the build's soar module."""
