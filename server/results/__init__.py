"""Published results (公开评议结果): a hall's satisfaction and waits within target, for all."""
