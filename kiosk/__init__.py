"""Self-service kiosk (自助服务终端): ID card to case progress, guides, receipts, rating."""
