"""EasyPost: tracking reads, address verification and return labels, checked against its recorded exchanges."""
