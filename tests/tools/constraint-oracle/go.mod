module linklens.test/constraint-oracle

go 1.22
