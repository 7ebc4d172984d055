"""Regions: the tree of branch companies above the halls, region managers, the HQ board."""
