# Headless Chromium renders the stats page in test/e2e (TestStatsPageChromium).
apt_need chromium
